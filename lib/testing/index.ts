/**
 * rxserve/testing: fake connections and a simulated server, to marble-test your own
 * shutdown logic in virtual time. Start with {@link simulateServer}.
 *
 * @module rxserve/testing
 */
export {
  FakeConnection,
  type FakeConnectionCall,
  type FakeConnectionOptions,
  type FakeConnectionState,
} from './fake-connection.js';
export { simulateServer, type SimulateServerOptions, type SimulatedEvent } from './simulate-server.js';
export { emitSignals } from './emit-signals.js';
export { createTestScheduler } from './test-scheduler.js';
