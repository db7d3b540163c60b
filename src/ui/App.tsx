import type { FacetController } from '../app/controller';
import { ControllerContext } from './context';
import { ModelPicker } from './ModelPicker';
import { RegionLegend } from './RegionLegend';
import { SeedInput } from './SeedInput';
import { StatusBar } from './StatusBar';
import { Viewport } from './Viewport';

export function App({ controller, debug }: { controller: FacetController; debug: boolean }) {
  return (
    <ControllerContext.Provider value={controller}>
      <div className="app">
        <header className="toolbar">
          <span className="brand">Facet</span>
          <ModelPicker debug={debug} />
          <SeedInput />
        </header>
        <main className="workspace">
          <Viewport />
          <aside className="side-panel">
            <RegionLegend />
          </aside>
        </main>
        <StatusBar />
      </div>
    </ControllerContext.Provider>
  );
}
