CREATE TABLE IF NOT EXISTS participant (
    id           VARCHAR(200) PRIMARY KEY,
    zone         VARCHAR(100) NOT NULL,
    state        VARCHAR(50)  NOT NULL,
    prompts_sent INTEGER      NOT NULL
);
