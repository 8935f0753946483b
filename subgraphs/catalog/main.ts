import { runMain } from '../../platform/main';
import { startCatalog } from './service';

runMain('catalog', () => startCatalog());
