import type { Router } from '../router.js';

/** What a resource of the OpenAPI document's create/get/update/delete shape keeps. */
export interface CrudStore<Definition> {
  create(definition: Definition): unknown;
  get(id: string): unknown;
  update(id: string, definition: Definition): unknown;
  delete(id: string): void;
}

/**
 * `POST <collection>`, `GET|PUT|DELETE <collection>/:id` as Sumo's document gives them for ingest
 * budgets and installation tokens alike (200 with the object, 204 for a delete); the store throws
 * the documented errors. Bodies were validated against the document before a handler runs.
 */
export function addCrudRoutes<Definition>(
  router: Router,
  collection: string,
  store: CrudStore<Definition>,
): void {
  router.add('POST', collection, ({ body }) => ({ status: 200, body: store.create(body as Definition) }));
  router.add('GET', `${collection}/:id`, (ctx) => ({ status: 200, body: store.get(ctx.param('id')) }));
  router.add('PUT', `${collection}/:id`, (ctx) => ({
    status: 200,
    body: store.update(ctx.param('id'), ctx.body as Definition),
  }));
  router.add('DELETE', `${collection}/:id`, (ctx) => {
    store.delete(ctx.param('id'));
    return { status: 204 };
  });
}
