import { Link } from 'react-router';
import { useTitle } from '../components/ui';

/** A proper not-found page: what was not found, why that may be, and a way back. */
export function NotFoundPage({
  title = 'Page not found',
  message = 'Nothing lives at this address.',
  back = { to: '/', label: 'Go to Discover' },
}: {
  title?: string;
  message?: string;
  back?: { to: string; label: string };
}) {
  useTitle(title);
  return (
    <section className="narrow not-found" data-testid="not-found">
      <h1>{title}</h1>
      <p>{message}</p>
      <p className="row">
        <Link className="btn btn--primary" to={back.to}>
          {back.label}
        </Link>
        {back.to !== '/' && <Link to="/">Go to Discover</Link>}
        <Link to="/search">Search for artists</Link>
      </p>
    </section>
  );
}
