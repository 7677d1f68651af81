ALTER TABLE `trials` ADD `first_step` integer;--> statement-breakpoint
ALTER TABLE `trials` ADD `last_step` integer;