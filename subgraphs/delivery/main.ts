import { runMain } from '../../platform/main';
import { startDelivery } from './service';

runMain('delivery', () => startDelivery());
