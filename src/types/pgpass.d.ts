// pgpass (the pg project's ~/.pgpass reader) ships no types: its one function, as core/postgres.ts calls it
declare module 'pgpass' {
  function pgpass(connInfo: { host?: string; port?: number | string; database?: string; user?: string }, cb: (password?: string) => void): void;
  export default pgpass;
}
