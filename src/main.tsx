import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { FacetController } from './app/controller';
import { PaintTool } from './app/paintTool';
import { createFacetStore } from './store/store';
import { installTestApi } from './testing/testApi';
import { App } from './ui/App';
import './ui/styles.css';

const params = new URLSearchParams(location.search);
const store = createFacetStore();
const controller = new FacetController(store, params);
const paint = new PaintTool(controller);
paint.start();
installTestApi(controller, paint);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App controller={controller} paint={paint} debug={params.has('debug')} />
  </StrictMode>,
);
void controller.start();
