CREATE TABLE participants (id TEXT PRIMARY KEY, state TEXT);
