ALTER TABLE conversation_participants ADD COLUMN state TEXT;
