/**
 * Modules every workflow of a worker shares, evaluated once per worker thread instead of at every
 * workflow start (the bundler's `preloadModules`; see scripts/bundle-workflows.ts). With the reusable
 * V8 context the SDK keeps a module cache per workflow, so without this each agent task would
 * evaluate zod and the healer again (about 20 ms here).
 *
 * Only pure, stateless modules belong here: they run before any workflow exists, are shared by all
 * of them, and the SDK freezes what they export. Hence the healer keeps its zod schemas private and
 * hands them out through functions (zod defines schema methods lazily, which a frozen object refuses).
 * test/unit/workflows/import-boundary.test.ts checks both.
 */
import '../src/healing';
import '../src/contracts/activity-options';
import '../src/contracts/agent-task';
import '../src/contracts/agent-task-spec';
import '../src/contracts/failure-events';
import '../src/contracts/failure-taxonomy';
import '../src/contracts/failure-types';
import '../src/contracts/search-attributes';
import '../src/contracts/task-queues';
