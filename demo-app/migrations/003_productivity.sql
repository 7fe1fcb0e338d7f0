-- Productivity features: todos, tasks, reminders, calendar, expenses, notes, groceries.
CREATE TABLE todos (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title      text NOT NULL,
  is_done    boolean NOT NULL DEFAULT false,
  due_date   date,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX todos_user_id_idx ON todos (user_id);

CREATE TABLE tasks (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title      text NOT NULL,
  status     text NOT NULL DEFAULT 'open',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_user_id_idx ON tasks (user_id);

CREATE TABLE ai_tasks (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  task_type  text NOT NULL,
  status     text NOT NULL DEFAULT 'queued',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ai_tasks_user_id_idx ON ai_tasks (user_id);

CREATE TABLE task_results (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id    bigint NOT NULL REFERENCES ai_tasks (id) ON DELETE CASCADE,
  result     jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_results_task_id_idx ON task_results (task_id);

CREATE TABLE reminders (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  message    text NOT NULL,
  remind_at  timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reminders_user_id_idx ON reminders (user_id);

CREATE TABLE recurrence_patterns (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule       text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE events (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id               bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  recurrence_pattern_id bigint REFERENCES recurrence_patterns (id) ON DELETE SET NULL,
  title                 text NOT NULL,
  starts_at             timestamptz NOT NULL,
  ends_at               timestamptz NOT NULL,
  created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_user_id_idx ON events (user_id);
CREATE INDEX events_recurrence_pattern_id_idx ON events (recurrence_pattern_id);

CREATE TABLE event_creation_logs (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id   bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  source     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_creation_logs_event_id_idx ON event_creation_logs (event_id);

CREATE TABLE event_processing_log (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id     bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  status       text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_processing_log_event_id_idx ON event_processing_log (event_id);

CREATE TABLE expense_categories (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE expenses (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  category_id  bigint REFERENCES expense_categories (id) ON DELETE SET NULL,
  amount_cents integer NOT NULL,
  description  text NOT NULL DEFAULT '',
  spent_at     timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX expenses_user_id_idx ON expenses (user_id);
CREATE INDEX expenses_category_id_idx ON expenses (category_id);

CREATE TABLE notes (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title      text NOT NULL,
  content    text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notes_user_id_idx ON notes (user_id);

CREATE TABLE note_sync_log (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  note_id   bigint NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
  status    text NOT NULL,
  synced_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX note_sync_log_note_id_idx ON note_sync_log (note_id);

CREATE TABLE grocery_items (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name       text NOT NULL,
  quantity   integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX grocery_items_user_id_idx ON grocery_items (user_id);

-- Deals come from a shared feed, not from users.
CREATE TABLE grocery_deals (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  item_name   text NOT NULL,
  store       text NOT NULL,
  price_cents integer NOT NULL,
  valid_until date NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE grocery_analysis (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  summary    jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX grocery_analysis_user_id_idx ON grocery_analysis (user_id);
