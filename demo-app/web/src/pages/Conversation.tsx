import { ErrorAlert, Loading } from '../components';
import { useApi, useTitle } from '../hooks';
import { Link } from '../router';

interface ConversationDetail {
  conversation_id: string;
  title: string;
  status: string;
  created_at: string;
  messages: { id: string; role: string; content: string; created_at: string }[];
}

export function Conversation({ id }: { id: string }) {
  const state = useApi<ConversationDetail>(`/api/v1/chat/conversations/${encodeURIComponent(id)}`);
  const title = state.status === 'ok' ? state.data.title : 'Conversation';
  useTitle(title);

  return (
    <>
      <p>
        <Link to="/conversations">Back to list</Link>
      </p>
      <h1>{title}</h1>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && (
        <ErrorAlert>{state.error.status === 404 ? 'Conversation not found' : state.error.message}</ErrorAlert>
      )}
      {state.status === 'ok' &&
        (state.data.messages.length === 0 ? (
          <p>No messages yet.</p>
        ) : (
          <ol role="list" className="messages">
            {state.data.messages.map((m) => (
              <li key={m.id} data-testid="message-item" className={`message message-${m.role}`}>
                <span className="meta">{m.role}</span>
                <p>{m.content}</p>
              </li>
            ))}
          </ol>
        ))}
    </>
  );
}
