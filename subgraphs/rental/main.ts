import { runMain } from '../../platform/main';
import { startRental } from './service';

runMain('rental', () => startRental());
