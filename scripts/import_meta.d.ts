// For the npm build only: Deno and Bun type `import.meta.main`; Node 20's
// types do not (Node 24 adds it), and there it is undefined, so falsy.
// Examples guard their start-up code with it.
interface ImportMeta {
  main: boolean;
}
