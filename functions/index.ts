import { app } from '@azure/functions';
import { allFunctions } from './definitions';
import { registerAll } from './register';

// The Azure entry: `func start` and the Functions runtime load this (package.json#main).
app.setup({ enableHttpStream: false });
registerAll(app, allFunctions);
