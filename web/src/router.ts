import { useEffect, useState } from 'preact/hooks';

/** Paths under /app/ (the client's base): '/', '/chat/17', '/invite/abc'… */
const BASE = import.meta.env.BASE_URL.replace(/\/$/, '');

export function currentPath(): string {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  return path || '/';
}

/** Whether this page navigated inside the app (so that Back may return to an app screen). */
let navigated = false;

/** Back to the previous app screen, or to `fallback` when the page was opened there directly. */
export function back(fallback: string): void {
  if (navigated) history.back();
  else navigate(fallback, true);
}

export function navigate(path: string, replace = false): void {
  if (!replace) navigated = true;
  const url = BASE + path;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return path;
}

/** An <a> that navigates inside the app. */
export function linkProps(path: string) {
  return {
    href: BASE + path,
    onClick: (e: MouseEvent) => {
      if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
      e.preventDefault();
      navigate(path);
    },
  };
}
