import type { FacetController } from '../app/controller';
import type { PaintTool } from '../app/paintTool';
import { ControllerContext, PaintContext } from './context';
import { PaintPanel } from './PaintPanel';
import { Portraits } from './Portraits';
import { Regions } from './Regions';
import { StatusBar } from './StatusBar';
import { Toolbar } from './Toolbar';
import { ViewPanel } from './ViewPanel';
import { Viewports } from './Viewport';

export function App({ controller, paint, debug }: { controller: FacetController; paint: PaintTool; debug: boolean }) {
  return (
    <ControllerContext.Provider value={controller}>
      <PaintContext.Provider value={paint}>
        <div className="app">
          <Toolbar debug={debug} />
          <main className="workspace">
            <Viewports />
            <aside className="side-panel">
              <Portraits />
              <ViewPanel />
              <PaintPanel />
              <Regions />
              <p className="muted hint panel">Drag to turn (or paint, in paint mode) · wheel to zoom · double-click to reset · arrow keys step</p>
            </aside>
          </main>
          <StatusBar />
        </div>
      </PaintContext.Provider>
    </ControllerContext.Provider>
  );
}
