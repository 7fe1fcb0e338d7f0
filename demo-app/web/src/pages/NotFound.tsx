import { useTitle } from '../hooks';
import { Link } from '../router';

export function NotFound() {
  useTitle('Page not found');
  return (
    <>
      <h1>Page not found</h1>
      <p>
        <Link to="/">Go home</Link>
      </p>
    </>
  );
}
