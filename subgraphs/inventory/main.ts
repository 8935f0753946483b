import { runMain } from '../../platform/main';
import { startInventory } from './service';

runMain('inventory', () => startInventory());
