import { runMain } from '../platform/main';
import { startRouter } from './gateway';

runMain('router', () => startRouter());
