// The product version written into backups; test/backup/version.test.ts keeps it equal to package.json's.
export const PRODUCT_VERSION = "0.1.0";
