// PGlite's contrib extensions are subpath exports (`@electric-sql/pglite/contrib/*`), which the
// project's moduleResolution (node10, for CommonJS output) cannot see; Node resolves them at run time.
declare module '@electric-sql/pglite/contrib/unaccent' {
  import type { Extension } from '@electric-sql/pglite';
  export const unaccent: Extension;
}
