import { useEffect } from 'react';
import { appConfig } from '../api/client';
import { Async } from '../components';
import { useApi, useTitle } from '../hooks';

interface DashboardData {
  conversations: number;
  messages: number;
  sms_messages: number;
  refreshed_at: string;
}

export function Dashboard() {
  useTitle('Dashboard');
  const state = useApi<DashboardData>('/api/v1/dashboard');
  const optional = appConfig().dashboard_optional;
  useEffect(() => {
    // Announcements are optional: when there are none the server answers 404, and the page shows nothing.
    if (optional) fetch(optional, { headers: { Accept: 'application/json' } }).catch(() => undefined);
  }, [optional]);
  return (
    <>
      <h1>Dashboard</h1>
      <Async state={state}>
        {(data) => (
          <dl className="stats">
            <div>
              <dt>Conversations</dt>
              <dd data-testid="dashboard-conversations">{data.conversations}</dd>
            </div>
            <div>
              <dt>Messages</dt>
              <dd data-testid="dashboard-messages">{data.messages}</dd>
            </div>
            <div>
              <dt>SMS messages</dt>
              <dd data-testid="dashboard-sms">{data.sms_messages}</dd>
            </div>
          </dl>
        )}
      </Async>
    </>
  );
}
