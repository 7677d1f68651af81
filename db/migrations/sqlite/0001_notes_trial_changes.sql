ALTER TABLE `searches` ADD `notes` text;--> statement-breakpoint
ALTER TABLE `searches` ADD `trial_seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `trials` ADD `notes` text;--> statement-breakpoint
ALTER TABLE `trials` ADD `seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `trials_search_seq` ON `trials` (`search_id`,`seq`);