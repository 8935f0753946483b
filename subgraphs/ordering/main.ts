import { runMain } from '../../platform/main';
import { startOrdering } from './service';

runMain('ordering', () => startOrdering());
