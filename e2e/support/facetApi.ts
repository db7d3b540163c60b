// The typed test API the app installs on `window.facet`, as the end-to-end tests see it. The
// types live with the app (src/testing/testApi.ts), so a change to the contract fails the type
// check on both sides at once.
import type { FacetTestApi } from '../../src/testing/testApi';

export type { Backend, CodeKind, FacetInfo, FacetTestApi, Feed, GraphOutput, Labels, MaskApply, PaintInfo, Pixels, PortraitName, RegionActionName } from '../../src/testing/testApi';

/**
 * Cast `window` to this inside page.evaluate callbacks: `(window as unknown as FacetWindow).facet`.
 * (No helper function: evaluate callbacks are serialised and run in the page, where nothing from
 * this module exists.)
 */
export type FacetWindow = Window & { facet: FacetTestApi };
