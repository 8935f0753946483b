import { runMain } from '../../platform/main';
import { startRewards } from './service';

runMain('rewards', () => startRewards());
