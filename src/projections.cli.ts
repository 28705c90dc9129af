import 'reflect-metadata';
import { PROJECTION_TYPES } from './app.projections';
import { projectionsCliMain } from './platform/projections/cli';

// The projections CLI with this service's projections (`npm run projections -- status`).
projectionsCliMain(PROJECTION_TYPES);
