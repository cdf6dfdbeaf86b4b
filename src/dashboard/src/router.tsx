/** A tiny history router: paths under /dashboard, the query string as page state (filters live in the URL). */
import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export const BASE = '/dashboard';

export function navigate(path: string, replace = false): void {
  const url = path.startsWith(BASE) ? path : BASE + path;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event('portico:navigate'));
}

export function useLocation(): { path: string; search: URLSearchParams } {
  const read = () => ({
    path: location.pathname.replace(/^\/dashboard/, '') || '/',
    search: new URLSearchParams(location.search),
  });
  const [state, setState] = useState(read);
  useEffect(() => {
    const update = () => setState(read());
    window.addEventListener('popstate', update);
    window.addEventListener('portico:navigate', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('portico:navigate', update);
    };
  }, []);
  return state;
}

/** Replace the query string (keeping the path), e.g. when a filter changes. */
export function setSearch(params: Record<string, string | undefined>): void {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) search.set(name, value);
  const text = search.toString();
  navigate(location.pathname + (text ? `?${text}` : ''));
}

export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const { to, ...rest } = props;
  const href = BASE + to;
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(href);
  };
  return <a {...rest} href={href} onClick={onClick} />;
}
