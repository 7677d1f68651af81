CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`search_id` integer NOT NULL,
	`trial_number` integer,
	`time` integer NOT NULL,
	`kind` text NOT NULL,
	`message` text NOT NULL,
	FOREIGN KEY (`search_id`) REFERENCES `searches`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `events_search_id` ON `events` (`search_id`,`id`);--> statement-breakpoint
CREATE TABLE `metric_points` (
	`trial_id` integer NOT NULL,
	`name` text NOT NULL,
	`step` integer NOT NULL,
	`value` real,
	`time` integer NOT NULL,
	PRIMARY KEY(`trial_id`, `name`, `step`),
	FOREIGN KEY (`trial_id`) REFERENCES `trials`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `searches` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`goal` text NOT NULL,
	`spec` text NOT NULL,
	`description` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	`failure_reason` text,
	`stop_requested` text DEFAULT 'none' NOT NULL,
	`lease_owner` text,
	`lease_expires_at` integer,
	`heartbeat_at` integer,
	`best_trial_number` integer,
	`best_value` real
);
--> statement-breakpoint
CREATE INDEX `searches_status_id` ON `searches` (`status`,`id`);--> statement-breakpoint
CREATE TABLE `trials` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`search_id` integer NOT NULL,
	`number` integer NOT NULL,
	`status` text NOT NULL,
	`params` text NOT NULL,
	`value` real,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	`exit_code` integer,
	`signal` text,
	`reason` text,
	`handle` text,
	FOREIGN KEY (`search_id`) REFERENCES `searches`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `trials_search_number` ON `trials` (`search_id`,`number`);--> statement-breakpoint
CREATE INDEX `trials_search_status_value` ON `trials` (`search_id`,`status`,`value`);