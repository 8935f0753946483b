import { runMain } from '../../platform/main';
import { startTimeline } from './service';

runMain('timeline', () => startTimeline());
