import { useCallback, useEffect, useState } from 'react';
import { api } from './api.ts';

/** GET `path` whenever it changes; `reload` fetches again. */
export function useApi<T>(path: string | null): {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
} {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);
  // The request last answered (path and reload count): loading is derived, not set inside the effect.
  const [settled, setSettled] = useState<string>();
  const request = path === null ? null : `${tick} ${path}`;
  useEffect(() => {
    if (path === null) return;
    let live = true;
    api
      .get<T>(path)
      .then((value) => {
        if (!live) return;
        setData(value);
        setError(undefined);
      })
      .catch((caught: Error) => live && setError(caught.message))
      .finally(() => live && setSettled(`${tick} ${path}`));
    return () => {
      live = false;
    };
  }, [path, tick]);
  const reload = useCallback(() => setTick((value) => value + 1), []);
  return { data, error, loading: request !== null && settled !== request, reload };
}
