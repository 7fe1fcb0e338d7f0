// Damage to PostgreSQL data pages, as a bad disk or a broken restore leaves it. PostgreSQL pages
// carry a checksum (FNV-1a based, 32 parallel lanes; see storage/checksum_impl.h): a damaged page
// either keeps a stale checksum (a checksum failure) or gets a fresh one, so that only deeper
// checks such as amcheck notice.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

export const pageSize = 8192;
const lanes = 32;
const fnvPrime = 16777619;
const laneOffsets = [
  0x5b1f36e9, 0xb8525960, 0x02ab50aa, 0x1de66d2a, 0x79ff467a, 0x9bb9f8a3, 0x217e7cd2, 0x83e13d2c,
  0xf8d4474f, 0xe39eb970, 0x42c6ae16, 0x993216fa, 0x7b093b5d, 0x98daff3c, 0xf718902a, 0x0b1c9cdb,
  0xe58f764b, 0x187636bc, 0x5d7b3bb1, 0xe73de7de, 0x92bec979, 0xcca6c0b2, 0x304a0979, 0x85aa43d4,
  0x783125bb, 0x6ca8eaa2, 0xe407eac6, 0x4b5cfc3e, 0x9fbf8c76, 0x15ca20be, 0xf2ca9fd3, 0x959bd756,
];

function mix(sum: number, value: number): number {
  const tmp = (sum ^ value) >>> 0;
  return (Math.imul(tmp, fnvPrime) ^ (tmp >>> 17)) >>> 0;
}

/** The checksum PostgreSQL expects in pd_checksum for this page at this block number. */
export function pageChecksum(page: Buffer, blockNumber: number): number {
  const copy = Buffer.from(page);
  copy.writeUInt16LE(0, 8);
  const sums = [...laneOffsets];
  for (let row = 0; row < pageSize / (4 * lanes); row++) {
    for (let lane = 0; lane < lanes; lane++) sums[lane] = mix(sums[lane]!, copy.readUInt32LE((row * lanes + lane) * 4));
  }
  for (let round = 0; round < 2; round++) for (let lane = 0; lane < lanes; lane++) sums[lane] = mix(sums[lane]!, 0);
  let result = 0;
  for (const s of sums) result = (result ^ s) >>> 0;
  return (((result ^ blockNumber) >>> 0) % 65535) + 1;
}

export function readPage(file: string, block: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const page = Buffer.alloc(pageSize);
    readSync(fd, page, 0, pageSize, block * pageSize);
    return page;
  } finally {
    closeSync(fd);
  }
}

export function writePage(file: string, block: number, page: Buffer): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, page, 0, pageSize, block * pageSize);
  } finally {
    closeSync(fd);
  }
}

interface LinePointer {
  offset: number;
  flags: number;
  length: number;
}

function linePointer(page: Buffer, item: number): LinePointer {
  const raw = page.readUInt32LE(24 + 4 * (item - 1));
  return { offset: raw & 0x7fff, flags: (raw >>> 15) & 0x3, length: raw >>> 17 };
}

function itemCount(page: Buffer): number {
  return (page.readUInt16LE(12) - 24) / 4;
}

/**
 * Swaps two adjacent keys on a B-tree leaf page and re-stamps the checksum: the page reads
 * cleanly, but its keys are out of order, which amcheck's bt_index_check reports.
 * Returns the block it damaged.
 */
export function scrambleBtreeLeaf(file: string, blocks: number): number {
  for (let block = 1; block < blocks; block++) {
    const page = readPage(file, block);
    const special = page.readUInt16LE(16);
    const next = page.readUInt32LE(special + 4);
    const flags = page.readUInt16LE(special + 12);
    const isLeaf = (flags & 0x1) !== 0;
    // On a page with a right sibling, item 1 is the high key, not data.
    const first = next !== 0 ? 2 : 1;
    if (!isLeaf || itemCount(page) < first + 2) continue;
    const a = 24 + 4 * (first - 1);
    const b = a + 4;
    const pointerA = page.readUInt32LE(a);
    page.writeUInt32LE(page.readUInt32LE(b), a);
    page.writeUInt32LE(pointerA, b);
    page.writeUInt16LE(pageChecksum(page, block), 8);
    writePage(file, block, page);
    return block;
  }
  throw new Error(`no B-tree leaf page with enough items in ${file}`);
}

/** Flips bytes inside the first tuple of a heap page, leaving the old checksum: a checksum failure. */
export function damageHeapPage(file: string, block: number): void {
  const page = readPage(file, block);
  const first = linePointer(page, 1);
  if (first.length === 0) throw new Error(`heap page ${block} of ${file} has no first tuple`);
  for (let i = 0; i < Math.min(16, first.length); i++) page[first.offset + i] = page[first.offset + i]! ^ 0xff;
  writePage(file, block, page);
}
