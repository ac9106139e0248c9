import { printDocument } from './docs-cli';
import { buildAsyncApi } from './realtime/asyncapi';

printDocument(buildAsyncApi);
