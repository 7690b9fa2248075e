#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addExampleStack } from './example';

addExampleStack(new App());
