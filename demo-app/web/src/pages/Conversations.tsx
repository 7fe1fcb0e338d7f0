import { Async } from '../components';
import { useApi, useTitle } from '../hooks';
import { Link } from '../router';

interface ConversationSummary {
  conversation_id: string;
  title: string;
  status: string;
  message_count: number;
  updated_at: string;
}

export function Conversations() {
  useTitle('Conversations');
  const state = useApi<{ items: ConversationSummary[]; total: number }>('/api/v1/chat/conversations');
  return (
    <>
      <h1>Conversations</h1>
      <Async state={state}>
        {({ items, total }) => (
          <>
            <p>
              Total: <span data-testid="conversations-count">{total}</span>
            </p>
            {items.length === 0 ? (
              <p>No conversations yet.</p>
            ) : (
              <ul role="list" className="conversations">
                {items.map((c) => (
                  <li key={c.conversation_id} data-testid="conversation-item">
                    <Link to={`/conversations/${encodeURIComponent(c.conversation_id)}`}>{c.title}</Link>
                    <span className="meta">
                      {c.message_count} {c.message_count === 1 ? 'message' : 'messages'} · {c.status}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </Async>
    </>
  );
}
