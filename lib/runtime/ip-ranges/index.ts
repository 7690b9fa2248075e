export * from './lists';
export * from './cidrs';
export * from './decide';
export * from './snapshot';
export * from './coverage';
