import { Async } from '../components';
import { useApi, useTitle } from '../hooks';

export interface User {
  id: string;
  email: string;
  full_name: string;
  roles: string[];
  created_at: string;
  last_login_at: string | null;
}

export function Profile() {
  useTitle('Profile');
  const state = useApi<User>('/api/v1/users/me');
  return (
    <>
      <h1>Profile</h1>
      <Async state={state}>
        {(user) => (
          <dl className="details">
            <dt>Email</dt>
            <dd data-testid="profile-email">{user.email}</dd>
            <dt>Full name</dt>
            <dd data-testid="profile-name">{user.full_name}</dd>
            <dt>Roles</dt>
            <dd data-testid="profile-roles">{user.roles.join(', ')}</dd>
            <dt>User ID</dt>
            <dd data-testid="profile-id">{user.id}</dd>
          </dl>
        )}
      </Async>
    </>
  );
}
