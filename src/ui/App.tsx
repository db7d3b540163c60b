import type { FacetController } from '../app/controller';
import { ControllerContext } from './context';
import { Portraits } from './Portraits';
import { Regions } from './Regions';
import { StatusBar } from './StatusBar';
import { Toolbar } from './Toolbar';
import { ViewPanel } from './ViewPanel';
import { Viewports } from './Viewport';

export function App({ controller, debug }: { controller: FacetController; debug: boolean }) {
  return (
    <ControllerContext.Provider value={controller}>
      <div className="app">
        <Toolbar debug={debug} />
        <main className="workspace">
          <Viewports />
          <aside className="side-panel">
            <Portraits />
            <ViewPanel />
            <Regions />
            <p className="muted hint panel">Drag to turn · wheel to zoom · double-click to reset · arrow keys step</p>
          </aside>
        </main>
        <StatusBar />
      </div>
    </ControllerContext.Provider>
  );
}
