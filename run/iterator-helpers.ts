// Allure 3's quality gate uses an ES2025 iterator helper (Iterator.prototype.toArray) that Node 20
// lacks; Node 22 has it. Imported before @allurereport/core, so the gate runs on both.
const iteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as { toArray?: () => unknown[] };
if (!iteratorPrototype.toArray) {
  Object.defineProperty(iteratorPrototype, 'toArray', {
    value(this: Iterable<unknown>) {
      return [...this];
    },
    configurable: true,
    writable: true,
  });
}
