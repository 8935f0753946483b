import { runMain } from '../../platform/main';
import { startMypage } from './service';

runMain('mypage', () => startMypage());
