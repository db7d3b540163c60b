import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { FacetController } from './app/controller';
import { createFacetStore } from './store/store';
import { installTestApi } from './testing/testApi';
import { App } from './ui/App';
import './ui/styles.css';

const params = new URLSearchParams(location.search);
const store = createFacetStore();
const controller = new FacetController(store, params);
installTestApi(controller);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App controller={controller} debug={params.has('debug')} />
  </StrictMode>,
);
void controller.start();
