import { buildOpenApi } from './openapi';
import { printDocument } from './docs-cli';

printDocument(buildOpenApi);
