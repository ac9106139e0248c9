import { buildOpenApi } from './app.factory';
import { printDocument } from './docs-cli';

printDocument(buildOpenApi);
