import { Async } from '../components';
import { useApi, useTitle } from '../hooks';

interface SmsUsage {
  total: number;
  inbound: number;
  outbound: number;
  total_cost_cents: number;
  by_day: { day: string; count: number }[];
}

export function Analytics() {
  useTitle('SMS analytics');
  const state = useApi<SmsUsage>('/api/v1/analytics/sms/usage');
  return (
    <>
      <h1>SMS analytics</h1>
      <Async state={state}>
        {(usage) => (
          <>
            <dl className="stats">
              <div>
                <dt>Total</dt>
                <dd data-testid="sms-total">{usage.total}</dd>
              </div>
              <div>
                <dt>Inbound</dt>
                <dd data-testid="sms-inbound">{usage.inbound}</dd>
              </div>
              <div>
                <dt>Outbound</dt>
                <dd data-testid="sms-outbound">{usage.outbound}</dd>
              </div>
            </dl>
            <table>
              <caption>Messages per day (last 30 days)</caption>
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col">Count</th>
                </tr>
              </thead>
              <tbody>
                {usage.by_day.length === 0 ? (
                  <tr>
                    <td colSpan={2}>No messages in the last 30 days.</td>
                  </tr>
                ) : (
                  usage.by_day.map((d) => (
                    <tr key={d.day}>
                      <td>{d.day}</td>
                      <td>{d.count}</td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </>
        )}
      </Async>
    </>
  );
}
