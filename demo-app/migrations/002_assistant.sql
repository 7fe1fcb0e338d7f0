-- Conversations and memory. Messages and memory items refer to a conversation by its
-- public conversation_id without a foreign key (they are written by a pipeline that may
-- run ahead of the conversation row), so orphans are possible and must be checked.
CREATE TABLE conversation_states (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conversation_id uuid NOT NULL UNIQUE,
  user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title           text NOT NULL,
  status          text NOT NULL DEFAULT 'active',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_states_user_id_idx ON conversation_states (user_id);

CREATE TABLE conversation_messages (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conversation_id uuid NOT NULL,
  role            text NOT NULL,
  content         text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_messages_conversation_id_idx ON conversation_messages (conversation_id);

CREATE TABLE memory_context_items (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conversation_id uuid NOT NULL,
  content         text NOT NULL,
  importance      smallint NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX memory_context_items_conversation_id_idx ON memory_context_items (conversation_id);

CREATE TABLE ltm_memories (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  content    text NOT NULL,
  importance smallint NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ltm_memories_user_id_idx ON ltm_memories (user_id);

CREATE TABLE ltm_contexts (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  memory_id    bigint NOT NULL REFERENCES ltm_memories (id) ON DELETE CASCADE,
  context_type text NOT NULL,
  value        text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ltm_contexts_memory_id_idx ON ltm_contexts (memory_id);

CREATE TABLE ltm_memory_access (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  memory_id   bigint NOT NULL REFERENCES ltm_memories (id) ON DELETE CASCADE,
  accessed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ltm_memory_access_memory_id_idx ON ltm_memory_access (memory_id);

CREATE TABLE ltm_memory_relationships (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_memory_id  bigint NOT NULL REFERENCES ltm_memories (id) ON DELETE CASCADE,
  target_memory_id  bigint NOT NULL REFERENCES ltm_memories (id) ON DELETE CASCADE,
  relationship_type text NOT NULL
);
CREATE INDEX ltm_memory_relationships_source_idx ON ltm_memory_relationships (source_memory_id);
CREATE INDEX ltm_memory_relationships_target_idx ON ltm_memory_relationships (target_memory_id);

CREATE TABLE ltm_memory_tags (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  memory_id bigint NOT NULL REFERENCES ltm_memories (id) ON DELETE CASCADE,
  tag       text NOT NULL
);
CREATE INDEX ltm_memory_tags_memory_id_idx ON ltm_memory_tags (memory_id);

-- SMS channel.
CREATE TABLE sms_router_configs (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  phone_number text NOT NULL,
  is_active    boolean NOT NULL DEFAULT true,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sms_router_configs_user_id_idx ON sms_router_configs (user_id);

CREATE TABLE sms_usage_logs (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  direction      text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  message_length integer NOT NULL,
  cost_cents     integer NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sms_usage_logs_user_id_idx ON sms_usage_logs (user_id);

CREATE TABLE user_phone_mappings (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  phone_number text NOT NULL UNIQUE,
  is_verified  boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_phone_mappings_user_id_idx ON user_phone_mappings (user_id);
