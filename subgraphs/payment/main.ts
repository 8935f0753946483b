import { runMain } from '../../platform/main';
import { startPayment } from './service';

runMain('payment', () => startPayment());
