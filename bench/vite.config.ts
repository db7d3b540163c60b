// `npm run bench` builds the app (index.html) and the bench-only naive page into bench/build/dist
// with the app's own Vite config, and serves them with `vite preview --config bench/vite.config.ts`.
import { mergeConfig } from 'vite';
import app from '../vite.config.ts';

export default mergeConfig(app, {
  build: {
    outDir: 'bench/build/dist',
    emptyOutDir: true,
    rolldownOptions: { input: { main: 'index.html', naive: 'bench/page/naive.html' } },
  },
});
