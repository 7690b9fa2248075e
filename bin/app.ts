#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ConfigError } from './config';
import { addExampleStack } from './example';

try {
  addExampleStack(new App());
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
