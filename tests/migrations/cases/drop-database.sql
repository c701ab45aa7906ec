-- case violating: DROP DATABASE
DROP DATABASE shop;

-- case violating: IF EXISTS
DROP DATABASE IF EXISTS shop_staging;

-- case violating: WITH (FORCE)
DROP DATABASE shop WITH (FORCE);

-- case clean: DROP SCHEMA of an empty schema
DROP SCHEMA IF EXISTS scratch;

-- case clean: CREATE DATABASE outside a transaction
CREATE DATABASE reporting;

-- case clean: DROP ROLE
DROP ROLE IF EXISTS reporting_reader;
