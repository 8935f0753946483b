import { runMain } from '../../platform/main';
import { startNotification } from './service';

runMain('notification', () => startNotification());
