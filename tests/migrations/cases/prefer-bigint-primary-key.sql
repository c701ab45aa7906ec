-- case violating: serial primary key
CREATE TABLE IF NOT EXISTS t16 (id serial PRIMARY KEY);

-- case violating: integer primary key as a table constraint
CREATE TABLE IF NOT EXISTS t16 (id integer, PRIMARY KEY (id));

-- case violating: smallint identity key
CREATE TABLE IF NOT EXISTS t16 (id smallint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);

-- case clean: bigint identity
CREATE TABLE IF NOT EXISTS t16 (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);

-- case clean: uuid key
CREATE TABLE IF NOT EXISTS t16 (id uuid PRIMARY KEY DEFAULT gen_random_uuid());

-- case clean: composite bigint key
CREATE TABLE IF NOT EXISTS t16 (a bigint, b bigint, PRIMARY KEY (a, b));
