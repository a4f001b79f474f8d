import { Link } from 'react-router';
import { useTitle } from '../components/ui';

export function NotFoundPage() {
  useTitle('Not found');
  return (
    <section className="narrow">
      <h1>Page not found</h1>
      <p>
        Nothing lives at this address. <Link to="/">Go to Discover</Link>
      </p>
    </section>
  );
}
